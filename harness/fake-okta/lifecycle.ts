import { OktaError } from "./errors.js";
import type { UserRecord, UserStatus } from "./model.js";

/**
 * Every lifecycle operation as one row: which statuses it accepts, where it leads, and the error Okta
 * returns from any other status. Sources are in ../shared/reference/okta-api.md section 1; rows or
 * refusals marked [unconfirmed] there follow the closest documented behaviour.
 */
export interface Transition {
  from: readonly UserStatus[];
  to: (user: UserRecord) => UserStatus;
  refuse: (user: UserRecord) => OktaError;
  /** System Log event type written when the operation succeeds. */
  eventType: string;
  displayMessage: string;
}

const notAllowedInStatus = () => new OktaError("E0000038");

export const LIFECYCLE = {
  activate: {
    from: ["STAGED", "DEPROVISIONED"],
    // Without a password the user waits in PROVISIONED for the activation email.
    to: (user) => (user.hasPassword ? "ACTIVE" : "PROVISIONED"),
    refuse: (user) => (user.status === "ACTIVE" ? new OktaError("E0000016") : notAllowedInStatus()),
    eventType: "user.lifecycle.activate",
    displayMessage: "Activate Okta user",
  },
  reactivate: {
    from: ["PROVISIONED", "RECOVERY"],
    to: () => "PROVISIONED",
    refuse: notAllowedInStatus,
    eventType: "user.lifecycle.reactivate",
    displayMessage: "Reactivate Okta user",
  },
  deactivate: {
    from: ["ACTIVE", "LOCKED_OUT", "PASSWORD_EXPIRED", "PROVISIONED", "RECOVERY", "STAGED", "SUSPENDED"],
    to: () => "DEPROVISIONED",
    // Okta answers a second deactivate as if the user were gone (okta-sdk-java#721).
    refuse: (user) => new OktaError("E0000007", `Resource not found: ${user.id} (User)`),
    eventType: "user.lifecycle.deactivate",
    displayMessage: "Deactivate Okta user",
  },
  suspend: {
    from: ["ACTIVE"],
    to: () => "SUSPENDED",
    refuse: () => new OktaError("E0000001", "suspendUser", ["Cannot suspend a user that is not active"]),
    eventType: "user.lifecycle.suspend",
    displayMessage: "Suspend Okta user",
  },
  unsuspend: {
    from: ["SUSPENDED"],
    to: () => "ACTIVE",
    refuse: () =>
      new OktaError("E0000001", "unsuspendUser", ["Cannot unsuspend a user that is not suspended"]),
    eventType: "user.lifecycle.unsuspend",
    displayMessage: "Unsuspend Okta user",
  },
  unlock: {
    from: ["LOCKED_OUT"],
    to: () => "ACTIVE",
    refuse: () => new OktaError("E0000032"),
    eventType: "user.account.unlock_by_admin",
    displayMessage: "Unlock Okta user",
  },
  reset_password: {
    from: ["ACTIVE", "LOCKED_OUT", "PASSWORD_EXPIRED", "RECOVERY", "PROVISIONED"],
    to: () => "RECOVERY",
    refuse: () => new OktaError("E0000017"),
    eventType: "user.account.reset_password",
    displayMessage: "Reset Okta user password",
  },
  expire_password: {
    from: ["ACTIVE", "PASSWORD_EXPIRED", "RECOVERY"],
    to: () => "PASSWORD_EXPIRED",
    refuse: notAllowedInStatus,
    eventType: "user.account.expire_password",
    displayMessage: "Expire Okta user password",
  },
} as const satisfies Record<string, Transition>;

export type LifecycleOperation = keyof typeof LIFECYCLE;
export const LIFECYCLE_OPERATIONS = Object.keys(LIFECYCLE) as LifecycleOperation[];

export function isLifecycleOperation(name: string): name is LifecycleOperation {
  return Object.hasOwn(LIFECYCLE, name);
}

/** The status `operation` leads to, or the Okta error for a refused transition. */
export function nextStatus(user: UserRecord, operation: LifecycleOperation): UserStatus {
  const transition: Transition = LIFECYCLE[operation];
  if (!transition.from.includes(user.status)) throw transition.refuse(user);
  return transition.to(user);
}
