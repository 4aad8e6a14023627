import type { FastifyInstance } from "fastify";
import { OktaError } from "../errors.js";
import { booleanParam, originOf, queryOf } from "../http.js";
import { isLifecycleOperation } from "../lifecycle.js";
import type { UserRecord } from "../model.js";
import { userJson } from "../serialize.js";
import type { ServerState } from "../state.js";

/**
 * `POST /api/v1/users/{id}/lifecycle/{operation}`: the transition table decides; this file only
 * shapes each operation's 200 body (okta-api.md section 1).
 */
export function lifecycleRoutes(app: FastifyInstance, state: ServerState): void {
  app.post<{ Params: { id: string; operation: string } }>(
    "/api/v1/users/:id/lifecycle/:operation",
    async (request) => {
      const { org } = state;
      const query = queryOf(request);
      // The current spec's `expire_password_with_temp_password` is the older
      // `expire_password?tempPassword=true`: both answer `{tempPassword}` (spec `TempPassword`).
      const withTemp =
        request.params.operation === "expire_password_with_temp_password" ||
        (request.params.operation === "expire_password" && booleanParam(query.tempPassword, false));
      const operation = withTemp ? "expire_password" : request.params.operation;
      if (operation === "reset_factors") {
        // Every factor enrolment is removed; the user's status does not change.
        org.resetAllFactors(org.getUser(request.params.id));
        return {};
      }
      if (!isLifecycleOperation(operation)) throw new OktaError("E0000008");
      const user = org.getUser(request.params.id);
      // Every input is read before the state changes: a bad one then changes nothing.
      const sendEmail = booleanParam(query.sendEmail, operation !== "reactivate");
      const revokeSessions = booleanParam(query.revokeSessions, false);
      const origin = originOf(request);
      org.transition(user, operation);
      switch (operation) {
        case "activate":
        case "reactivate":
          return sendEmail ? {} : activationToken(state, user, origin);
        case "reset_password":
          if (revokeSessions) org.clearSessions(user);
          return sendEmail ? {} : { resetPasswordUrl: `${origin}/reset_password/${org.ids.token(20)}` };
        case "expire_password":
          if (!withTemp) return userJson(user, origin);
          if (revokeSessions) org.clearSessions(user);
          return { tempPassword: org.ids.token(12) };
        default:
          return {};
      }
    },
  );
}

function activationToken(state: ServerState, user: UserRecord, origin: string) {
  const activationToken = state.org.ids.token(20);
  return { activationUrl: `${origin}/welcome/${activationToken}`, activationToken, userId: user.id };
}
