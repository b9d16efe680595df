/**
 * Benchmarks of @varplane/consensus-raft; each prints a table with its baseline's ratio.
 * `RAFT_BENCH=in-memory,durable,failover` picks suites (default: all). `DURABLE_ROUNDS` (5) and
 * `FAILOVER_PROCESS_KILLS` (10) size the slow ones.
 */
import { report } from '@varplane/bench-kit';
import { durableRounds } from './durable';
import { reportDurable, reportFailover } from './durable-report';
import { processFailover, simulatedFailover } from './failover';
import { inMemoryRows } from './in-memory';

const suites = new Set((process.env.RAFT_BENCH ?? 'in-memory,durable,failover').split(','));

if (suites.has('in-memory')) {
  report('@varplane/consensus-raft in-memory (time per committed entry)', await inMemoryRows());
}
if (suites.has('durable')) {
  reportDurable(await durableRounds(Number(process.env.DURABLE_ROUNDS ?? 5), 2000, 200));
}
if (suites.has('failover')) {
  reportFailover([
    { name: 'simulated clock, in one process', result: await simulatedFailover(100) },
    {
      name: 'real processes, kill -9 of the leader',
      result: await processFailover(Number(process.env.FAILOVER_PROCESS_KILLS ?? 10)),
    },
  ]);
}
