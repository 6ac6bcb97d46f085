//! Reading and writing numbers: the futures of `AsyncReadExt::read_u8`
//! ... `read_f64_le` and `AsyncWriteExt::write_u8` ... `write_f64_le`, and
//! the macros that declare those methods on the extension traits.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::future::Future;
use std::io;
use std::mem::size_of;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Declares one future per numeric type, reading the number's bytes then
/// decoding them with `$decode` (`from_be_bytes` or `from_le_bytes`).
macro_rules! read_futures {
    ($($name:ident($method:ident) -> $ty:ty = $decode:ident;)*) => { $(
        #[doc = concat!("Future of [`AsyncReadExt::", stringify!($method), "`](crate::io::AsyncReadExt::",
            stringify!($method), ").")]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $name<'a, R: ?Sized> {
            reader: &'a mut R,
            buf: [u8; size_of::<$ty>()],
            read: usize,
        }

        impl<'a, R: ?Sized> $name<'a, R> {
            pub(crate) fn new(reader: &'a mut R) -> Self {
                $name { reader, buf: [0; size_of::<$ty>()], read: 0 }
            }
        }

        impl<R: ?Sized> std::fmt::Debug for $name<'_, R> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).field("read", &self.read).finish_non_exhaustive()
            }
        }

        impl<R: AsyncRead + Unpin + ?Sized> Future for $name<'_, R> {
            type Output = io::Result<$ty>;

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let me = self.get_mut();
                while me.read < me.buf.len() {
                    me.read += ready!(poll_read_some(&mut *me.reader, cx, &mut me.buf[me.read..]))?;
                }
                Poll::Ready(Ok(<$ty>::$decode(me.buf)))
            }
        }
    )* };
}

/// Reads some bytes into `dst`, retrying on `Interrupted`; reading none is
/// `UnexpectedEof` (the caller only asks when it needs more).
#[inline]
fn poll_read_some<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    cx: &mut Context<'_>,
    dst: &mut [u8],
) -> Poll<io::Result<usize>> {
    loop {
        let mut buf = ReadBuf::new(dst);
        match Pin::new(&mut *reader).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
                return Poll::Ready(Ok(n));
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
}

/// Declares one future per numeric type, writing the bytes `$encode`
/// (`to_be_bytes` or `to_le_bytes`) makes of the number.
macro_rules! write_futures {
    ($($name:ident($method:ident) -> $ty:ty = $encode:ident;)*) => { $(
        #[doc = concat!("Future of [`AsyncWriteExt::", stringify!($method), "`](crate::io::AsyncWriteExt::",
            stringify!($method), ").")]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $name<'a, W: ?Sized> {
            writer: &'a mut W,
            buf: [u8; size_of::<$ty>()],
            written: usize,
        }

        impl<'a, W: ?Sized> $name<'a, W> {
            pub(crate) fn new(writer: &'a mut W, value: $ty) -> Self {
                $name { writer, buf: value.$encode(), written: 0 }
            }
        }

        impl<W: ?Sized> std::fmt::Debug for $name<'_, W> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).field("written", &self.written).finish_non_exhaustive()
            }
        }

        impl<W: AsyncWrite + Unpin + ?Sized> Future for $name<'_, W> {
            type Output = io::Result<()>;

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let me = self.get_mut();
                while me.written < me.buf.len() {
                    me.written += ready!(poll_write_some(&mut *me.writer, cx, &me.buf[me.written..]))?;
                }
                Poll::Ready(Ok(()))
            }
        }
    )* };
}

/// Writes some bytes of `src`, retrying on `Interrupted`; writing none is
/// `WriteZero`.
#[inline]
fn poll_write_some<W: AsyncWrite + Unpin + ?Sized>(
    writer: &mut W,
    cx: &mut Context<'_>,
    src: &[u8],
) -> Poll<io::Result<usize>> {
    loop {
        match Pin::new(&mut *writer).poll_write(cx, src) {
            Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

read_futures! {
    ReadU8(read_u8) -> u8 = from_be_bytes;
    ReadI8(read_i8) -> i8 = from_be_bytes;
    ReadU16(read_u16) -> u16 = from_be_bytes;
    ReadI16(read_i16) -> i16 = from_be_bytes;
    ReadU32(read_u32) -> u32 = from_be_bytes;
    ReadI32(read_i32) -> i32 = from_be_bytes;
    ReadU64(read_u64) -> u64 = from_be_bytes;
    ReadI64(read_i64) -> i64 = from_be_bytes;
    ReadU128(read_u128) -> u128 = from_be_bytes;
    ReadI128(read_i128) -> i128 = from_be_bytes;
    ReadF32(read_f32) -> f32 = from_be_bytes;
    ReadF64(read_f64) -> f64 = from_be_bytes;
    ReadU16Le(read_u16_le) -> u16 = from_le_bytes;
    ReadI16Le(read_i16_le) -> i16 = from_le_bytes;
    ReadU32Le(read_u32_le) -> u32 = from_le_bytes;
    ReadI32Le(read_i32_le) -> i32 = from_le_bytes;
    ReadU64Le(read_u64_le) -> u64 = from_le_bytes;
    ReadI64Le(read_i64_le) -> i64 = from_le_bytes;
    ReadU128Le(read_u128_le) -> u128 = from_le_bytes;
    ReadI128Le(read_i128_le) -> i128 = from_le_bytes;
    ReadF32Le(read_f32_le) -> f32 = from_le_bytes;
    ReadF64Le(read_f64_le) -> f64 = from_le_bytes;
}

write_futures! {
    WriteU8(write_u8) -> u8 = to_be_bytes;
    WriteI8(write_i8) -> i8 = to_be_bytes;
    WriteU16(write_u16) -> u16 = to_be_bytes;
    WriteI16(write_i16) -> i16 = to_be_bytes;
    WriteU32(write_u32) -> u32 = to_be_bytes;
    WriteI32(write_i32) -> i32 = to_be_bytes;
    WriteU64(write_u64) -> u64 = to_be_bytes;
    WriteI64(write_i64) -> i64 = to_be_bytes;
    WriteU128(write_u128) -> u128 = to_be_bytes;
    WriteI128(write_i128) -> i128 = to_be_bytes;
    WriteF32(write_f32) -> f32 = to_be_bytes;
    WriteF64(write_f64) -> f64 = to_be_bytes;
    WriteU16Le(write_u16_le) -> u16 = to_le_bytes;
    WriteI16Le(write_i16_le) -> i16 = to_le_bytes;
    WriteU32Le(write_u32_le) -> u32 = to_le_bytes;
    WriteI32Le(write_i32_le) -> i32 = to_le_bytes;
    WriteU64Le(write_u64_le) -> u64 = to_le_bytes;
    WriteI64Le(write_i64_le) -> i64 = to_le_bytes;
    WriteU128Le(write_u128_le) -> u128 = to_le_bytes;
    WriteI128Le(write_i128_le) -> i128 = to_le_bytes;
    WriteF32Le(write_f32_le) -> f32 = to_le_bytes;
    WriteF64Le(write_f64_le) -> f64 = to_le_bytes;
}

/// Declares all of `AsyncReadExt`'s numeric methods (invoked inside the
/// trait as `read_methods!();`).
macro_rules! read_methods {
    () => {
        $crate::io::numeric::read_method_defs! {
            cancel_safety: concat!(
                "This method is cancel safe: it reads a single byte, so if it is ",
                "cancelled, no data was read."
            );
            /// Reads an unsigned 8-bit integer from the underlying reader.
            read_u8 -> ReadU8(u8, 2, to_be_bytes);
            /// Reads a signed 8-bit integer from the underlying reader.
            read_i8 -> ReadI8(i8, -2, to_be_bytes);
        }

        $crate::io::numeric::read_method_defs! {
            cancel_safety: concat!(
                "This method is not cancel safe: if it is cancelled after part of the ",
                "number was read, those bytes are lost."
            );
            /// Reads an unsigned 16-bit integer in big-endian order from the underlying reader.
            read_u16 -> ReadU16(u16, 517, to_be_bytes);
            /// Reads a signed 16-bit integer in big-endian order from the underlying reader.
            read_i16 -> ReadI16(i16, -517, to_be_bytes);
            /// Reads an unsigned 32-bit integer in big-endian order from the underlying reader.
            read_u32 -> ReadU32(u32, 267, to_be_bytes);
            /// Reads a signed 32-bit integer in big-endian order from the underlying reader.
            read_i32 -> ReadI32(i32, -267, to_be_bytes);
            /// Reads an unsigned 64-bit integer in big-endian order from the underlying reader.
            read_u64 -> ReadU64(u64, 918733457491587, to_be_bytes);
            /// Reads a signed 64-bit integer in big-endian order from the underlying reader.
            read_i64 -> ReadI64(i64, -918733457491587, to_be_bytes);
            /// Reads an unsigned 128-bit integer in big-endian order from the underlying reader.
            read_u128 -> ReadU128(u128, 16947640962301618749969007319746179, to_be_bytes);
            /// Reads a signed 128-bit integer in big-endian order from the underlying reader.
            read_i128 -> ReadI128(i128, -16947640962301618749969007319746179, to_be_bytes);
            /// Reads a 32-bit floating point number in big-endian order from the underlying reader.
            read_f32 -> ReadF32(f32, 1.5, to_be_bytes);
            /// Reads a 64-bit floating point number in big-endian order from the underlying reader.
            read_f64 -> ReadF64(f64, -1.5, to_be_bytes);
            /// Reads an unsigned 16-bit integer in little-endian order from the underlying reader.
            read_u16_le -> ReadU16Le(u16, 517, to_le_bytes);
            /// Reads a signed 16-bit integer in little-endian order from the underlying reader.
            read_i16_le -> ReadI16Le(i16, -517, to_le_bytes);
            /// Reads an unsigned 32-bit integer in little-endian order from the underlying reader.
            read_u32_le -> ReadU32Le(u32, 267, to_le_bytes);
            /// Reads a signed 32-bit integer in little-endian order from the underlying reader.
            read_i32_le -> ReadI32Le(i32, -267, to_le_bytes);
            /// Reads an unsigned 64-bit integer in little-endian order from the underlying reader.
            read_u64_le -> ReadU64Le(u64, 918733457491587, to_le_bytes);
            /// Reads a signed 64-bit integer in little-endian order from the underlying reader.
            read_i64_le -> ReadI64Le(i64, -918733457491587, to_le_bytes);
            /// Reads an unsigned 128-bit integer in little-endian order from the underlying reader.
            read_u128_le -> ReadU128Le(u128, 16947640962301618749969007319746179, to_le_bytes);
            /// Reads a signed 128-bit integer in little-endian order from the underlying reader.
            read_i128_le -> ReadI128Le(i128, -16947640962301618749969007319746179, to_le_bytes);
            /// Reads a 32-bit floating point number in little-endian order from the underlying reader.
            read_f32_le -> ReadF32Le(f32, 1.5, to_le_bytes);
            /// Reads a 64-bit floating point number in little-endian order from the underlying reader.
            read_f64_le -> ReadF64Le(f64, -1.5, to_le_bytes);
        }
    };
}

/// Declares numeric methods of `AsyncReadExt`. Each entry: a summary line,
/// then `name -> Future(type, example value, example encoding)`; the shared
/// sections and an example are added here.
macro_rules! read_method_defs {
    (cancel_safety: $cancel:expr; $(
        #[doc = $summary:literal]
        $method:ident -> $fut:ident($ty:ty, $value:literal, $encode:ident);
    )*) => { $(
        #[doc = $summary]
        ///
        /// Equivalent to:
        ///
        /// ```text
        #[doc = concat!("async fn ", stringify!($method), "(&mut self) -> io::Result<", stringify!($ty), ">;")]
        /// ```
        ///
        /// It is recommended to use a buffered reader to avoid excessive
        /// syscalls.
        ///
        /// # Errors
        ///
        /// This method returns the same errors as
        /// [`AsyncReadExt::read_exact`]: an input that ends before the
        /// whole number is read gives [`io::ErrorKind::UnexpectedEof`].
        ///
        /// # Cancel safety
        ///
        #[doc = $cancel]
        ///
        /// # Examples
        ///
        /// ```
        /// use tern::io::AsyncReadExt;
        ///
        /// # tern::runtime::Runtime::new().unwrap().block_on(async {
        #[doc = concat!("let value: ", stringify!($ty), " = ", stringify!($value), ";")]
        #[doc = concat!("let bytes = value.", stringify!($encode), "();")]
        /// let mut reader: &[u8] = &bytes;
        ///
        #[doc = concat!("assert_eq!(reader.", stringify!($method), "().await.unwrap(), value);")]
        #[doc = concat!("assert!(reader.", stringify!($method), "().await.is_err());")]
        /// # });
        /// ```
        fn $method(&mut self) -> $crate::io::util::$fut<'_, Self>
        where
            Self: Unpin,
        {
            $crate::io::util::$fut::new(self)
        }
    )* };
}

/// Declares all of `AsyncWriteExt`'s numeric methods (invoked inside the
/// trait as `write_methods!();`).
macro_rules! write_methods {
    () => {
        $crate::io::numeric::write_method_defs! {
            /// Writes an unsigned 8-bit integer to the underlying writer.
            write_u8 -> WriteU8(u8, 2, to_be_bytes);
            /// Writes a signed 8-bit integer to the underlying writer.
            write_i8 -> WriteI8(i8, -2, to_be_bytes);
            /// Writes an unsigned 16-bit integer in big-endian order to the underlying writer.
            write_u16 -> WriteU16(u16, 517, to_be_bytes);
            /// Writes a signed 16-bit integer in big-endian order to the underlying writer.
            write_i16 -> WriteI16(i16, -517, to_be_bytes);
            /// Writes an unsigned 32-bit integer in big-endian order to the underlying writer.
            write_u32 -> WriteU32(u32, 267, to_be_bytes);
            /// Writes a signed 32-bit integer in big-endian order to the underlying writer.
            write_i32 -> WriteI32(i32, -267, to_be_bytes);
            /// Writes an unsigned 64-bit integer in big-endian order to the underlying writer.
            write_u64 -> WriteU64(u64, 918733457491587, to_be_bytes);
            /// Writes a signed 64-bit integer in big-endian order to the underlying writer.
            write_i64 -> WriteI64(i64, -918733457491587, to_be_bytes);
            /// Writes an unsigned 128-bit integer in big-endian order to the underlying writer.
            write_u128 -> WriteU128(u128, 16947640962301618749969007319746179, to_be_bytes);
            /// Writes a signed 128-bit integer in big-endian order to the underlying writer.
            write_i128 -> WriteI128(i128, -16947640962301618749969007319746179, to_be_bytes);
            /// Writes a 32-bit floating point number in big-endian order to the underlying writer.
            write_f32 -> WriteF32(f32, 1.5, to_be_bytes);
            /// Writes a 64-bit floating point number in big-endian order to the underlying writer.
            write_f64 -> WriteF64(f64, -1.5, to_be_bytes);
            /// Writes an unsigned 16-bit integer in little-endian order to the underlying writer.
            write_u16_le -> WriteU16Le(u16, 517, to_le_bytes);
            /// Writes a signed 16-bit integer in little-endian order to the underlying writer.
            write_i16_le -> WriteI16Le(i16, -517, to_le_bytes);
            /// Writes an unsigned 32-bit integer in little-endian order to the underlying writer.
            write_u32_le -> WriteU32Le(u32, 267, to_le_bytes);
            /// Writes a signed 32-bit integer in little-endian order to the underlying writer.
            write_i32_le -> WriteI32Le(i32, -267, to_le_bytes);
            /// Writes an unsigned 64-bit integer in little-endian order to the underlying writer.
            write_u64_le -> WriteU64Le(u64, 918733457491587, to_le_bytes);
            /// Writes a signed 64-bit integer in little-endian order to the underlying writer.
            write_i64_le -> WriteI64Le(i64, -918733457491587, to_le_bytes);
            /// Writes an unsigned 128-bit integer in little-endian order to the underlying writer.
            write_u128_le -> WriteU128Le(u128, 16947640962301618749969007319746179, to_le_bytes);
            /// Writes a signed 128-bit integer in little-endian order to the underlying writer.
            write_i128_le -> WriteI128Le(i128, -16947640962301618749969007319746179, to_le_bytes);
            /// Writes a 32-bit floating point number in little-endian order to the underlying writer.
            write_f32_le -> WriteF32Le(f32, 1.5, to_le_bytes);
            /// Writes a 64-bit floating point number in little-endian order to the underlying writer.
            write_f64_le -> WriteF64Le(f64, -1.5, to_le_bytes);
        }
    };
}

/// Declares numeric methods of `AsyncWriteExt`, from entries shaped as for
/// `read_method_defs!`.
macro_rules! write_method_defs {
    ($(
        #[doc = $summary:literal]
        $method:ident -> $fut:ident($ty:ty, $value:literal, $encode:ident);
    )*) => { $(
        #[doc = $summary]
        ///
        /// Equivalent to:
        ///
        /// ```text
        #[doc = concat!("async fn ", stringify!($method), "(&mut self, n: ", stringify!($ty),
            ") -> io::Result<()>;")]
        /// ```
        ///
        /// It is recommended to use a buffered writer to avoid excessive
        /// syscalls.
        ///
        /// # Errors
        ///
        /// This method returns the same errors as
        /// [`AsyncWriteExt::write_all`]: a writer that accepts zero bytes
        /// gives [`io::ErrorKind::WriteZero`].
        ///
        /// # Examples
        ///
        /// ```
        /// use tern::io::AsyncWriteExt;
        ///
        /// # tern::runtime::Runtime::new().unwrap().block_on(async {
        #[doc = concat!("let value: ", stringify!($ty), " = ", stringify!($value), ";")]
        /// let mut writer = Vec::new();
        ///
        #[doc = concat!("writer.", stringify!($method), "(value).await.unwrap();")]
        #[doc = concat!("assert_eq!(writer, value.", stringify!($encode), "());")]
        /// # });
        /// ```
        fn $method(&mut self, n: $ty) -> $crate::io::util::$fut<'_, Self>
        where
            Self: Unpin,
        {
            $crate::io::util::$fut::new(self, n)
        }
    )* };
}

pub(crate) use {read_method_defs, read_methods, write_method_defs, write_methods};
