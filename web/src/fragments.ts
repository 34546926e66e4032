/** Fragments shared by many operations. */
import { graphql } from "./gql";

/** What every mutation error carries (the typed error union members). */
export const ErrorFieldsFragment = graphql(`
  fragment ErrorFields on Error {
    message
    code
    field
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
  }
`);

export const MessageFieldsFragment = graphql(`
  fragment MessageFields on Message {
    id
    body
    internal
    source
    createdAt
    author {
      id
      name
      role
    }
    attachments {
      id
      filename
      contentType
      size
      url
    }
  }
`);
