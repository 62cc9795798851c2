/** Where Google publishes the keys that sign per-request (webhook_config.uris) deliveries. */
export const googleJwksUrl = 'https://generativelanguage.googleapis.com/.well-known/jwks.json';
