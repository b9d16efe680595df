import { describeStrategyConformance } from '@varplane/coordination/testing';
import { createNashBargaining } from './nash-bargaining';

describeStrategyConformance(createNashBargaining());
