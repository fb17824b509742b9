import { Type, type Static } from "typebox";

/**
 * The one error body of every protocol: `{"error": message}` is what KServe V1 and the Open
 * Inference Protocol define; `code` is a stable identifier for programs.
 */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: "What was wrong, naming the instance and field." }),
    code: Type.String({ description: "Stable error code, e.g. INVALID_INPUT." }),
  },
  { $id: "ErrorBody", title: "Error" },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Response schemas for the errors every data-plane route can answer with. */
export const DATA_PLANE_ERRORS = {
  400: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  503: ErrorBody,
} as const;
