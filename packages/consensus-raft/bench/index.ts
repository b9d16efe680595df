/** Benchmarks of @varplane/consensus-raft; each prints a table with its baseline's ratio. */
import { report } from '@varplane/bench-kit';
import { inMemoryRows } from './in-memory';

report('@varplane/consensus-raft in-memory (time per committed entry)', await inMemoryRows());
