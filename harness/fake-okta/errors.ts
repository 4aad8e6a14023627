/**
 * Okta's error bodies. Codes, statuses and summaries come from Okta's error catalogue
 * (release 2026.08.1); only the codes the fake can produce are listed.
 */
export const OKTA_ERRORS = {
  E0000001: { status: 400, summary: "Api validation failed: {0}" },
  E0000003: { status: 400, summary: "The request body was not well-formed." },
  E0000006: { status: 403, summary: "You do not have permission to perform the requested action" },
  E0000007: { status: 404, summary: "Not found: {0}" },
  E0000008: { status: 404, summary: "The requested path was not found" },
  E0000009: { status: 500, summary: "Internal Server Error" },
  E0000011: { status: 401, summary: "Invalid token provided" },
  E0000016: { status: 403, summary: "Activation failed because the user is already active" },
  E0000017: { status: 403, summary: "Password reset failed" },
  E0000022: { status: 405, summary: "The endpoint does not support the provided HTTP method" },
  E0000029: { status: 400, summary: "Invalid paging request." },
  E0000031: { status: 400, summary: "Invalid search criteria." },
  E0000032: { status: 403, summary: "Unlock is not allowed for this user." },
  E0000038: { status: 403, summary: "This operation is not allowed in the user's current status." },
  E0000040: {
    status: 400,
    summary: "Application label must not be the same as an existing application label.",
  },
  E0000047: { status: 429, summary: "API call exceeded rate limit due to too many requests." },
  E0000053: { status: 400, summary: "Invalid SCIM filter." },
  E0000056: { status: 403, summary: "Delete application forbidden." },
  E0000090: { status: 409, summary: "The role specified is already assigned to the user." },
} as const;

export type OktaErrorCode = keyof typeof OKTA_ERRORS;

export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

/** Thrown by routes and layers; the server turns it into Okta's JSON error body. */
export class OktaError extends Error {
  readonly status: number;
  readonly code: OktaErrorCode;
  readonly causes: string[];

  constructor(code: OktaErrorCode, detail?: string, causes: string[] = []) {
    const { status, summary } = OKTA_ERRORS[code];
    super(summary.replace("{0}", detail ?? ""));
    this.status = status;
    this.code = code;
    this.causes = causes;
  }

  body(errorId: string): OktaErrorBody {
    return {
      errorCode: this.code,
      errorSummary: this.message,
      errorLink: this.code,
      errorId,
      errorCauses: this.causes.map((errorSummary) => ({ errorSummary })),
    };
  }
}

export const notFound = (id: string, kind = "User") =>
  new OktaError("E0000007", `Resource not found: ${id} (${kind})`);

export const validationFailed = (what: string, causes: string[] = []) =>
  new OktaError("E0000001", what, causes);
