export type { NashBargainingOptions } from './nash-bargaining';
export { createNashBargaining } from './nash-bargaining';
