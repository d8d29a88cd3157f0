// Imports every type file (each registers its types on the builder) and builds the schema once.
import { builder } from './builder.js';
import './account.js';
import './event-type.js';
import './webhook.js';
import './delivery.js';
import './event.js';
import './portal-session.js';
import './transform.js';
import './subscription.js';

export const schema = builder.toSchema({ sortSchema: false });
