//! `File::read_to_end` and `File::read_to_string`: the rest of a file in
//! one blocking job (they shadow the `AsyncReadExt` methods).

use super::File;
use std::future::poll_fn;
use std::io;

impl File {
    /// Reads all bytes until EOF, appending them to `buf`, and returns how
    /// many it read; in one pool hand-off (not chunk by chunk as
    /// [`AsyncReadExt::read_to_end`](crate::io::AsyncReadExt::read_to_end),
    /// which this shadows, would).
    ///
    /// If `buf` is empty, the bytes arrive in a vector sized for the file,
    /// without a copy.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the bytes read so far
    /// are kept in the file's buffer for the next read; `buf` may hold some
    /// of them.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::open("foo.txt").await?;
    /// let mut contents = vec![];
    /// file.read_to_end(&mut contents).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let start = buf.len();
        let (std, inner) = self.inner_mut();
        poll_fn(|cx| inner.poll_read_to_end(std, cx, buf, start)).await
    }

    /// Reads all bytes until EOF, appending them to `buf` as UTF-8, in one
    /// pool hand-off (shadows
    /// [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string)).
    ///
    /// # Errors
    ///
    /// If the bytes are not valid UTF-8, an error of kind
    /// `ErrorKind::InvalidData` is returned and `buf` is unchanged (the
    /// bytes are consumed).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use tern::fs::File;
    ///
    /// # async fn dox() -> std::io::Result<()> {
    /// let mut file = File::open("foo.txt").await?;
    /// let mut contents = String::new();
    /// file.read_to_string(&mut contents).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_to_end(&mut bytes).await?;
        let s = String::from_utf8(bytes)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))?;
        if buf.is_empty() {
            *buf = s;
        } else {
            buf.push_str(&s);
        }
        Ok(n)
    }
}
