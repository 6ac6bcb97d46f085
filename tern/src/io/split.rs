//! `split`: one read/write object shared by a read half and a write half.
//!
//! Both halves hold an `Arc` of the object behind a mutex. The mutex is only
//! taken for the length of one `poll_*` call, so a read waiting in one task
//! never keeps a write in another task from making progress.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// The readable half of a value returned from [`split`](split()).
pub struct ReadHalf<T> {
    inner: Arc<Inner<T>>,
}

/// The writable half of a value returned from [`split`](split()).
pub struct WriteHalf<T> {
    inner: Arc<Inner<T>>,
}

/// Splits a single value implementing `AsyncRead + AsyncWrite` into separate
/// `AsyncRead` and `AsyncWrite` handles.
///
/// To restore this read/write object from its `ReadHalf` and `WriteHalf`
/// use [`unsplit`](ReadHalf::unsplit).
///
/// The halves can be moved to different tasks (and threads): each poll
/// takes a short lock on the shared object. Objects that can be split
/// without a lock (such as `TcpStream`) have their own `split` /
/// `into_split` methods, which are cheaper.
///
/// # Examples
///
/// ```
/// use tern::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tern::runtime::Runtime::new().unwrap().block_on(async {
/// let (client, mut server) = tern::io::duplex(64);
/// let (mut rd, mut wr) = tern::io::split(client);
///
/// wr.write_all(b"ping").await.unwrap();
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
///
/// server.write_all(b"pong").await.unwrap();
/// rd.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"pong");
///
/// let _client = rd.unsplit(wr);
/// # });
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    let is_write_vectored = stream.is_write_vectored();
    let inner = Arc::new(Inner { stream: Mutex::new(stream), is_write_vectored });
    (ReadHalf { inner: inner.clone() }, WriteHalf { inner })
}

struct Inner<T> {
    stream: Mutex<T>,
    /// Read once at split time, since `is_write_vectored` takes `&self`
    /// and cannot wait for the lock.
    is_write_vectored: bool,
}

impl<T> Inner<T> {
    /// Runs `f` on the pinned stream with the lock held.
    fn with_lock<R>(&self, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
        // A panic in another half's poll does not make the stream unusable
        // for this one: ignore poisoning.
        let mut guard = self.stream.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: the stream lives inside the `Arc` allocation from `split`
        // until the last half is gone, and it is never moved out of it while
        // pinned: the only way out is `ReadHalf::unsplit`, which requires
        // `T: Unpin`.
        let stream = unsafe { Pin::new_unchecked(&mut *guard) };
        f(stream)
    }
}

impl<T> ReadHalf<T> {
    /// Checks if this `ReadHalf` and some `WriteHalf` were split from the
    /// same stream.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        other.is_pair_of(self)
    }

    /// Reunites with a previously split `WriteHalf`, returning the original
    /// stream.
    ///
    /// # Panics
    ///
    /// If this `ReadHalf` and the given `WriteHalf` do not originate from
    /// the same `split` operation this method will panic. This can be
    /// checked ahead of time by calling [`is_pair_of`](Self::is_pair_of).
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        if !self.is_pair_of(&wr) {
            panic!("Unrelated `split::Write` passed to `split::Read::unsplit`.");
        }
        drop(wr);
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner.stream.into_inner().unwrap_or_else(PoisonError::into_inner),
            // Only the two halves ever hold the `Arc`, and both are consumed
            // here.
            Err(_) => unreachable!("a split half outlived its pair"),
        }
    }
}

impl<T> WriteHalf<T> {
    /// Checks if this `WriteHalf` and some `ReadHalf` were split from the
    /// same stream.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.inner.with_lock(|stream| stream.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.with_lock(|stream| stream.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.with_lock(|stream| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.with_lock(|stream| stream.poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.with_lock(|stream| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored
    }
}

// `Send` comes from the fields (`Arc<Inner<T>>` is `Send` when `T: Send`).
// `Sync` is spelled out to match Tokio's bound (`T: Sync`) rather than the
// automatic one (`T: Send`).

// SAFETY: through `&ReadHalf` one can only compare `Arc` pointers
// (`is_pair_of`) and format the type name (`Debug`); neither touches the
// `T`, so sharing a half between threads is sound whenever `T: Sync`.
unsafe impl<T: Sync> Sync for ReadHalf<T> {}

// SAFETY: as for `ReadHalf`: `&WriteHalf` gives access to `is_pair_of`,
// `Debug` and `is_write_vectored`, which reads a plain `bool` fixed at
// construction; none of them touches the `T`.
unsafe impl<T: Sync> Sync for WriteHalf<T> {}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("split::ReadHalf").finish()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("split::WriteHalf").finish()
    }
}
