// Entry of `pnpm bench` for @varplane/core. Imports sources directly: tsx runs without a build.
import { report } from '@varplane/bench-kit';
import { benchVariableSpace } from './variable-space';

report('@varplane/core variable space', await benchVariableSpace());
