/**
 * Worker thread that checkpoints the SQLite write-ahead log (copies committed pages from the WAL into the database
 * file and fsyncs both). SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages, on the
 * event loop: measured, that commit took 5-15 ms instead of ~0.5 ms, the tail of the scheduler tick and of
 * slash-command acks. Here the same work runs on its own connection, off the event loop.
 *
 * PASSIVE never waits for a lock and never blocks readers or writers (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html):
 * it copies what no reader still needs, and the next write restarts the log once all of it has been copied.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointRequest, CheckpointResult, CheckpointWorkerData } from './wal-checkpointer.ts';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker runs as a worker thread');
const { path, everyMs } = workerData as CheckpointWorkerData;

const db = new Database(path, { fileMustExist: true });
// The same durability as the main connection (database.ts): the checkpoint fsyncs the WAL, then the database file.
db.pragma('synchronous = NORMAL');

function checkpoint(): CheckpointResult {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  return { busy: row?.busy ?? 0, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
}

setInterval(checkpoint, everyMs);

port.on('message', (m: CheckpointRequest) => {
  if (m.kind === 'checkpoint') port.postMessage({ id: m.id, result: checkpoint() });
  else {
    db.close();
    process.exit(0);
  }
});
