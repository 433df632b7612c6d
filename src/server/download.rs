//! `GET /api/export` and `GET /api/kwic/export`: every hit of a search, or every line of its
//! concordance, as a downloadable table. CSV and JSON Lines are
//! streamed as they are written (a bounded channel between the writer and the connection, so a
//! slow client slows the writer instead of filling memory); an XLSX workbook is written to a
//! temporary file first (its format needs the whole file) and sent from there.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc;
use warp::http::header;
use warp::hyper::body::Bytes;
use warp::reply::Response;
use warp::Reply;

use super::admission::Admission;
use super::reply::{overloaded, reply_result};
use crate::error::Error;
use crate::search::{Engine, Matches, SearchRequest};
use crate::workbench::{
    concordance_matches, write_concordance, write_table, ConcordanceRequest, TableFormat,
};

/// Chunks in flight between the table writer and the connection.
const CHUNKS_IN_FLIGHT: usize = 16;
/// Bytes the writer gathers into one chunk.
const CHUNK_BYTES: usize = 64 << 10;

/// A `Write` that hands what is written to the connection, waiting while it is busy.
struct ChannelWriter(mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The answer to `GET /api/export`: the table of every match of `request` in `format`, as an
/// attachment. Holds a heavy slot while the table is written.
pub async fn export_reply(
    engine: Arc<Engine>,
    admission: Admission,
    request: SearchRequest,
    format: TableFormat,
) -> Response {
    let find = move || engine.all_matches(&request);
    download(admission, format, "policy-search", find, write_table).await
}

/// The answer to `GET /api/kwic/export`: every line of the concordance of `request` in
/// `format`, as an attachment.
pub async fn concordance_reply(
    engine: Arc<Engine>,
    admission: Admission,
    request: ConcordanceRequest,
    format: TableFormat,
) -> Response {
    let lines = request.clone();
    let find = move || concordance_matches(&engine, &request);
    let write = move |matches: &Matches, format, out: &mut dyn Write, xlsx: Option<&Path>| {
        write_concordance(matches, &lines, format, out, xlsx)
    };
    download(admission, format, "policy-search-kwic", find, write).await
}

/// A table download: `find` the matches (before the answer starts, so a bad query is a JSON
/// error), then `write` them in `format`, streamed, as the attachment `name.csv` (…).
async fn download<F, W>(
    admission: Admission,
    format: TableFormat,
    name: &'static str,
    find: F,
    write: W,
) -> Response
where
    F: FnOnce() -> crate::error::Result<Matches> + Send + 'static,
    W: Fn(&Matches, TableFormat, &mut dyn Write, Option<&Path>) -> crate::error::Result<usize>
        + Send
        + 'static,
{
    let Some(slot) = admission.heavy().await else {
        return overloaded();
    };
    let found = tokio::task::spawn_blocking(find).await;
    let matches = match found {
        Ok(Ok(matches)) => matches,
        Ok(Err(error)) => return reply_result::<()>(Err(error)),
        Err(error) => return reply_result::<()>(Err(Error::Internal(error.to_string()))),
    };
    let body = match format {
        TableFormat::Xlsx => {
            let written = tokio::task::spawn_blocking(move || {
                let _slot = slot;
                let file = tempfile::NamedTempFile::new()
                    .map_err(|source| Error::io(&std::env::temp_dir(), source))?;
                write(&matches, format, &mut std::io::sink(), Some(file.path()))?;
                std::fs::read(file.path()).map_err(|source| Error::io(file.path(), source))
            })
            .await;
            match written {
                Ok(Ok(bytes)) => Response::new(bytes.into()),
                Ok(Err(error)) => return reply_result::<()>(Err(error)),
                Err(error) => return reply_result::<()>(Err(Error::Internal(error.to_string()))),
            }
        }
        TableFormat::Csv | TableFormat::Jsonl => {
            let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                let mut channel = ChannelWriter(sender.clone());
                let mut writer = std::io::BufWriter::with_capacity(CHUNK_BYTES, &mut channel);
                if let Err(error) = write(&matches, format, &mut writer, None) {
                    // The answer has started: end it broken rather than complete-looking.
                    drop(writer);
                    let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
                }
            });
            let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|chunk| (chunk, receiver))
            });
            warp::reply::stream(chunks).into_response()
        }
    };
    let mut response = body;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(format.content_type()),
    );
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.name());
    if let Ok(value) = header::HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
