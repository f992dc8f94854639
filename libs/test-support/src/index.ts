/** @module Test support shared by every package's tests and the benchmark. */
export {
  COORDINATOR_MAIN,
  type CoordinatorProcess,
  startCoordinatorProcess,
} from './coordinator-process.js';
export { alive, freePort } from './free-port.js';
export { type Started, start, stop } from './process.js';
export {
  type ClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
  type TestRedisCluster,
} from './redis-cluster.js';
export { startRedisServer, type TestRedis } from './redis-server.js';
