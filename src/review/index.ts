// The review module's public face: the API under /-/api/, the page under /-/review/, the webhook.
import type { Hono } from 'hono';
import { mountReviewApi, type ReviewApiDeps } from './api.js';
import { mountReviewPage } from './page.js';

export { settleAfterRescan, type ReviewApiDeps } from './api.js';
export { Webhook, type WebhookOptions } from './webhook.js';

export function mountReview(app: Hono, d: ReviewApiDeps): void {
  mountReviewApi(app, d);
  mountReviewPage(app, d.reviews);
}
