// Worker-thread entry of `sim swarm --jobs N` (sim/oracle/swarm-pool.ts): loads the run's
// driver once (a built-in name or a module file, as `--driver` named it in the parent), says
// `ready`, then runs each seed the parent sends on a fresh world and answers with its outcome,
// until the parent says `exit`. One seed at a time; the world holds no state between seeds.
// Loading a driver module file happens here, in runners/, never in the simulator.
import { parentPort, workerData } from 'node:worker_threads';
import { runSeedOutcome, type SwarmSeedSpec, type SwarmWorkerReply, type SwarmWorkerRequest } from '../sim/oracle/swarm-pool.js';
import { loadSimDriver } from './sim-driver.js';

/** What the parent gives every worker. */
export interface SwarmWorkerData {
  readonly spec: SwarmSeedSpec;
  /** The `--driver` text, when given (loaded again here: modules do not cross threads). */
  readonly driverText?: string;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('runners/sim-swarm-worker.js must run in a worker thread');
  const data = workerData as SwarmWorkerData;
  const reply = (message: SwarmWorkerReply): void => port.postMessage(message);
  const loaded = data.driverText === undefined ? undefined : await loadSimDriver(data.driverText, data.spec.nodes ?? 1);
  if (loaded !== undefined && 'error' in loaded) {
    reply({ type: 'error', message: loaded.error });
    return;
  }
  const driver = loaded?.module;
  port.on('message', (request: SwarmWorkerRequest) => {
    if (request.type === 'exit') {
      port.close();
      return;
    }
    runSeedOutcome(request.seed, data.spec, driver).then(
      (outcome) => reply({ type: 'outcome', outcome }),
      (error: unknown) => reply({ type: 'error', message: `seed ${request.seed}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }),
    );
  });
  reply({ type: 'ready' });
}

void main();
