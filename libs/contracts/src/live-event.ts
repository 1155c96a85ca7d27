/**
 * What travels on the live channel (worker relay → Redis pub/sub → API SSE) and, filtered, to a browser.
 * Events carry no patient identifiers. Plain type, no imports: the console imports this file directly
 * (`import type`), so nothing server-side reaches its bundle.
 */
export interface LiveEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}
