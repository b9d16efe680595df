/**
 * What varplane's own tests need from the machine, set up by the tests themselves: a headless
 * Chromium that arrives with `pnpm install`, and real servers (nats-server, etcd) on 127.0.0.1 with
 * free ports, installed through apt when missing and allowed, stopped by their PIDs.
 */
export { CHROMIUM_ARGS, chromiumPath, launchChromium } from './chromium';
export { type EtcdCluster, type EtcdMember, startEtcd, startEtcdCluster } from './etcd';
export { withFileLock } from './file-lock';
export { freePort } from './free-port';
export {
  type NatsCluster,
  type NatsServer,
  type StartNatsOptions,
  startNats,
  startNatsCluster,
} from './nats';
export type { ServerProcess } from './server-process';
export {
  type EnsureBinaryOptions,
  ensureBinary,
  findBinary,
  MissingBinaryError,
  type SystemBinary,
} from './system-binary';
