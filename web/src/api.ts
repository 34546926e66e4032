/**
 * The one GraphQL client: urql over HTTP (JSON, or multipart when a variable holds a File) and
 * graphql-ws for subscriptions. Both authenticate with the HttpOnly session cookie that `login`
 * sets, because the app is served from the same origin as /graphql.
 */
import { Client, CombinedError, fetchExchange, subscriptionExchange } from "@urql/core";
import type { AnyVariables } from "@urql/core";
import { createClient as createSocket } from "graphql-ws";
import type { TypedDocumentString } from "./gql/graphql";

type Doc<R, V> = TypedDocumentString<R, V>;

const resyncListeners = new Set<() => void>();
const sessionEndListeners = new Set<() => void>();

/** The close code with which the server ends the sockets of a revoked session. */
const SESSION_REVOKED = 4401;

/** Called when the server says the session is over (revoked, expired, user deactivated). */
export function onSessionEnded(listener: () => void): () => void {
  sessionEndListeners.add(listener);
  return () => sessionEndListeners.delete(listener);
}

/**
 * Pub/sub is at most once: whenever the socket comes back after a drop (including the server
 * closing it to ask for a resync), everything live refetches what it shows.
 */
export function onResync(listener: () => void): () => void {
  resyncListeners.add(listener);
  return () => resyncListeners.delete(listener);
}

export function resyncAll(): void {
  for (const listener of [...resyncListeners]) listener();
}

const socketUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;

const socket = createSocket({
  url: socketUrl,
  lazy: true,
  lazyCloseTimeout: 3000,
  keepAlive: 15000,
  retryAttempts: Number.MAX_SAFE_INTEGER,
  retryWait: (retries) =>
    new Promise((resolve) =>
      setTimeout(resolve, Math.min(500 * 2 ** retries, 10000) * (0.75 + Math.random() / 2)),
    ),
  shouldRetry: () => true,
  on: {
    connected: (_socket, _payload, wasRetry) => {
      if (wasRetry) resyncAll();
    },
    closed: (event) => {
      if ((event as CloseEvent | undefined)?.code === SESSION_REVOKED) {
        for (const listener of [...sessionEndListeners]) listener();
      }
    },
  },
});

/**
 * Run a mutation over the socket rather than HTTP: the server ties what it records (presence)
 * to the socket, and clears it when the socket closes.
 */
export function mutateOverSocket<R, V extends Record<string, unknown>>(
  doc: Doc<R, V>,
  variables: V,
): Promise<R> {
  return new Promise((resolve, reject) => {
    let result: R | undefined;
    socket.subscribe<R>(
      { query: doc.toString(), variables },
      {
        next: (value) => {
          if (value.errors?.length) reject(new Error(value.errors[0].message));
          else result = value.data as R;
        },
        error: (error) => reject(error instanceof Error ? error : new Error("socket closed")),
        complete: () => (result === undefined ? reject(new Error("no answer")) : resolve(result)),
      },
    );
  });
}

/** Sign-out or sign-in changes who the socket speaks for: drop it so the next one re-auths. */
export function restartSocket(): void {
  socket.terminate();
}

export const client = new Client({
  url: "/graphql",
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query ?? "" };
        return {
          subscribe(sink) {
            return { unsubscribe: socket.subscribe(input, sink) };
          },
        };
      },
    }),
  ],
  requestPolicy: "network-only",
  preferGetMethod: false,
  fetchOptions: () => ({
    credentials: "same-origin",
    // Marks the request as made by this app (the server's CSRF rule for uploads and cookies).
    headers: { "X-Requested-With": "helpdesk-web", "GraphQL-Preflight": "1" },
  }),
});

export class ApiError extends Error {
  constructor(readonly error: CombinedError) {
    super(error.graphQLErrors[0]?.message ?? error.networkError?.message ?? error.message);
  }
}

export async function query<R, V extends AnyVariables>(doc: Doc<R, V>, variables: V): Promise<R> {
  const result = await client.query<R, V>(doc.toString(), variables).toPromise();
  if (result.error) throw new ApiError(result.error);
  return result.data as R;
}

export async function mutate<R, V extends AnyVariables>(doc: Doc<R, V>, variables: V): Promise<R> {
  const result = await client.mutation<R, V>(doc.toString(), variables).toPromise();
  if (result.error) throw new ApiError(result.error);
  return result.data as R;
}

/** Calls ``onData`` for every event; returns the unsubscribe function. */
export function subscribe<R, V extends AnyVariables>(
  doc: Doc<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError?: (error: ApiError) => void,
): () => void {
  const subscription = client
    .subscription<R, V>(doc.toString(), variables)
    .subscribe((result) => {
      if (result.error) onError?.(new ApiError(result.error));
      else if (result.data) onData(result.data as R);
    });
  return () => subscription.unsubscribe();
}

/** The typed error every mutation result union may carry instead of its payload. */
export interface TypedError {
  __typename: string;
  message: string;
  code: string;
  field?: string | null;
  fieldErrors?: { field: string; message: string }[];
}

/** A mutation answered with one of its typed errors (validation, permission, not found...). */
export class Refused extends Error {
  constructor(readonly detail: TypedError) {
    super(detail.message);
  }

  /** The message for one field, when the error names it. */
  forField(field: string): string | undefined {
    const found = this.detail.fieldErrors?.find((e) => e.field === field)?.message;
    return found ?? (this.detail.field === field ? this.detail.message : undefined);
  }
}

/** The payload of a mutation result union, or a thrown ``Refused`` carrying the typed error. */
export function ok<T extends { __typename: string }, N extends T["__typename"]>(
  result: T,
  typename: N,
): Extract<T, { __typename: N }> {
  if (result.__typename !== typename) throw new Refused(result as unknown as TypedError);
  return result as Extract<T, { __typename: N }>;
}
