// Worker thread of the matrix: loads the model once, then runs the cells it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInit, WorkerReply, WorkerRequest } from './matrix.js';
import { loadForCells, runCell, runCellPart } from './matrix.js';
import type { PartResult } from './check.js';
import { PartMemo } from './part-memo.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('matrix-worker: must run as a worker thread');
const loaded = loadForCells(init.backendModule);
const memo = new PartMemo<PartResult>();

port.on('message', (req: WorkerRequest) => {
  loaded
    .then(({ model, transforms }) => {
      const reply: WorkerReply =
        req.part === undefined
          ? { idx: req.idx, cells: req.cells.map((c) => runCell(model, init.base, c, transforms, init.options, memo)) }
          : { idx: req.idx, part: runCellPart(model, init.base, req.cells[0], transforms, init.options, req.part) };
      port.postMessage(reply);
    })
    .catch((e: unknown) => {
      const reply: WorkerReply = { idx: req.idx, error: e instanceof Error ? e.message : String(e) };
      port.postMessage(reply);
    });
});
