// notify/: --notify: the events of a run's transitions (incident opened or resolved, site down or recovered),
// with a Slack-compatible text, posted to webhooks with retries inside the run's deadline. A failed post is a
// result in the report, never a lost run.
//
// notify/ never imports config/, plan/, probe/, classify/, correlate/, report/, state/, status/, lab/ or commands/.

export { eventPayload, sampleEvent, type ChangeEvent } from './events.js';
export { notificationProblem, notifyAll, parseWebhookUrl } from './webhook.js';
