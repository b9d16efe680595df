// Aggregation and sketches

export { OTHER_AGENTS } from './agent-labels';
export type { AggregationName, AggregationSpec, Aggregator } from './aggregation';
export {
  aggregate,
  createAggregator,
  DEFAULT_QUANTILES,
  quantileLabel,
  seriesOf,
} from './aggregation';
export { formatAlert } from './alert-actions';
// Alerts
export type { Alert, AlertEvent } from './alert-engine';
export type { AlertAction, AlertLevel, AlertRule, AlertState } from './alert-rule';
export { levelFor, stepAlert } from './alert-rule';
export type { ClusterNodeStatus, ClusterView } from './cluster-nodes';
// The live dashboard
export type { Dashboard, DashboardOptions } from './dashboard';
export { createDashboard } from './dashboard';
export type {
  AgentRow,
  ChartPoint,
  DashboardState,
  FeedItem,
  OptimizerEvent,
  OptimizerProgress,
  OptimizerTrial,
  OptimizerUpdate,
} from './dashboard-state';
// Errors
export type { TelemetryErrorCode } from './errors';
export {
  AlertActionError,
  MonitorStoppedError,
  ServerStartError,
  StorageError,
  TelemetryOptionsError,
} from './errors';
export type {
  AgentTurnOptions,
  InstrumentOptions,
  TraceableBehaviour,
  UsageSink,
} from './genai-tracing';
export {
  activeAgent,
  GEN_AI,
  instrumentLanguageModel,
  traceAgentTurn,
  traceBehaviour,
} from './genai-tracing';
// Insights
export type {
  Insight,
  InsightOptions,
  InsightType,
  ResolvedInsightOptions,
  RiskLevel,
  SuggestedAction,
  SuggestedActionType,
} from './insights';
export { generateInsights, INSIGHT_TYPES, SUGGESTED_ACTION_TYPES } from './insights';
export type { StreamStats } from './internal/state-streams';
export type { MemoryStoreOptions } from './memory-store';
export { createMemoryStore } from './memory-store';
// Metrics
export type { BuiltInMetric, MetricDefinition, MetricSource } from './metric-catalogue';
export {
  BUILT_IN_METRICS,
  DEFAULT_TRACKED_METRICS,
  PER_AGENT_ALERT_FIELDS,
} from './metric-catalogue';
// Storage
export type { MetricPoint, MetricQuery, MetricStore } from './metric-store';
export type {
  AgentRunState,
  AgentSnapshot,
  EdgeSnapshot,
  FaultRecord,
  MetricsSnapshot,
  WindowActivity,
} from './metrics-snapshot';
export type { Monitor, MonitorErrorEvent } from './monitor';
export { collectMetrics, startMonitoring } from './monitor';
export type { AlertThreshold, MonitorOptions, ResolvedMonitorOptions } from './monitor-options';
// Monitoring
export type { MonitoredAgentStats, MonitoredSpace, SupervisionNode } from './monitored-space';
// Exporters
export type { OtelMetrics, OtelMetricsOptions } from './otel-metrics';
export { AGENT_ATTRIBUTE, createOtelMetrics } from './otel-metrics';
export type { AgentWindow, PerformanceInput } from './performance';
export { computePerformance } from './performance';
export type { PrometheusExporter, PrometheusExporterOptions } from './prometheus-exporter';
export { createPrometheusExporter } from './prometheus-exporter';
export type { QuantileSketch, QuantileSketchOptions, SketchState } from './quantile-sketch';
export { createQuantileSketch } from './quantile-sketch';
export type {
  RunLog,
  RunLogCall,
  RunLogOptions,
  RunLogRun,
  RunLogSummary,
  RunLogTrace,
  RunLogTurn,
} from './run-log';
export { createRunLog } from './run-log';
export type { SqliteStoreOptions } from './sqlite-store';
export { createSqliteStore } from './sqlite-store';
