export { OtlpReceiver } from './otlp-receiver.js';
export type { ReceivedLog, ReceivedMetric, ReceivedPoint, ReceivedSpan } from './otlp-receiver.js';
