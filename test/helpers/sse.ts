// GraphQL subscriptions over Server-Sent Events: a POST to /graphql with `accept: text/event-stream`, its messages
// collected as they arrive.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export type SseMessage = { event: string; data: unknown };
export type SseStream = { status: number; contentType: string | null; messages: SseMessage[]; ended: boolean; close(): void };

/** Opens a GraphQL subscription as an SSE stream and collects its messages as they arrive; `ended` once it closes. */
export async function openSse<TData, TVariables>(url: string, token: string | null, document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
    signal: controller.signal,
  });
  const stream: SseStream = { status: response.status, contentType: response.headers.get('content-type'), messages: [], ended: false, close: () => controller.abort() };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            // lines starting with ':' are keep-alive comments
          }
          if (data.length > 0 || event !== 'message') stream.messages.push({ event, data: data.length ? JSON.parse(data.join('\n')) : null });
        }
      }
    } catch {
      // aborted by close()
    } finally {
      stream.ended = true;
    }
  })();
  return stream;
}
