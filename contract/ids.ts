/** Workflow ids the receiver owns; a delivery naming one of them in user_metadata is refused. */
export const mailboxPrefix = 'gemini-mailbox:';
export const deadLetterPrefix = 'gemini-deadletter:';
export const receiverOwnedPrefixes = [mailboxPrefix, deadLetterPrefix] as const;

/** Temporal refuses longer workflow ids by default. */
export const maxWorkflowIdLength = 255;

export const mailboxWorkflowId = (resourceId: string) => `${mailboxPrefix}${resourceId}`;
export const deadLetterWorkflowId = (webhookId: string) => `${deadLetterPrefix}${webhookId}`;
