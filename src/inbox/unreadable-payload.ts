// A claimed event whose stored payload no longer parses. Every payload was parsed before it was
// stored, so this is damage to the stored bytes (a disk or a hand edit), not a handler's fault, and
// the same bytes will not parse on a later attempt: the event is marked failed without a run.

/** The stored payload of a claimed event is not JSON. Its message becomes the attempt's recorded error. */
export class UnreadablePayloadError extends Error {
  override name = 'UnreadablePayloadError'
  constructor (eventId: string, cause: unknown) {
    super(`the stored payload of ${eventId} does not parse as JSON (${cause instanceof Error ? cause.message : String(cause)}); its handler was not run`, { cause })
  }
}
