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
      const { operation } = request.params;
      if (!isLifecycleOperation(operation)) throw new OktaError("E0000008");
      const user = org.getUser(request.params.id);
      const query = queryOf(request);
      org.transition(user, operation);
      const origin = originOf(request);
      switch (operation) {
        case "activate":
          return booleanParam(query.sendEmail, true) ? {} : activationToken(state, user, origin);
        case "reactivate":
          return booleanParam(query.sendEmail, false) ? {} : activationToken(state, user, origin);
        case "reset_password":
          if (booleanParam(query.revokeSessions, false)) org.clearSessions(user);
          return booleanParam(query.sendEmail, true)
            ? {}
            : { resetPasswordUrl: `${origin}/reset_password/${org.ids.token(20)}` };
        case "expire_password":
          return userJson(user, origin);
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
