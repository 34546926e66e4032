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
