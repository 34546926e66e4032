/** Posting to a ticket: replies (staff and clients) and internal notes (staff). */
import { mutate, ok } from "./api";
import { graphql } from "./gql";

const ReplyDocument = graphql(`
  mutation ReplyToTicket($input: ReplyInput!) {
    replyToTicket(input: $input) {
      __typename
      ... on Message {
        id
      }
      ...ErrorFields
    }
  }
`);

const NoteDocument = graphql(`
  mutation AddInternalNote($input: NoteInput!) {
    addInternalNote(input: $input) {
      __typename
      ... on Message {
        id
      }
      ...ErrorFields
    }
  }
`);

/** Sends a reply (or, with ``note``, an internal note); files go as a multipart upload. */
export async function post({
  number,
  body,
  files,
  note = false,
}: {
  number: number;
  body: string;
  files: File[];
  note?: boolean;
}): Promise<string> {
  const input = { number, body, attachments: files.length ? files : null };
  if (note) return ok((await mutate(NoteDocument, { input })).addInternalNote, "Message").id;
  return ok((await mutate(ReplyDocument, { input })).replyToTicket, "Message").id;
}
