import type { Handler } from '../pipeline.js';

/** One /crm/v2 endpoint: method, express path pattern (also the stats key), handler; `upload` takes a file body. */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  pattern: string;
  handler: Handler;
  upload?: boolean;
}
