/** COSEM interface class identifiers (DLMS UA 1000-1 Blue Book §4.2, class_id). */
export const CosemClass = Object.freeze({
  DATA: 1,
  REGISTER: 3,
  EXTENDED_REGISTER: 4,
  DEMAND_REGISTER: 5,
  REGISTER_ACTIVATION: 6,
  PROFILE_GENERIC: 7,
  CLOCK: 8,
  SCRIPT_TABLE: 9,
  SCHEDULE: 10,
  SPECIAL_DAYS_TABLE: 11,
  ASSOCIATION_SN: 12,
  ASSOCIATION_LN: 15,
  SAP_ASSIGNMENT: 17,
  IMAGE_TRANSFER: 18,
  ACTIVITY_CALENDAR: 20,
  REGISTER_MONITOR: 21,
  SINGLE_ACTION_SCHEDULE: 22,
  IEC_HDLC_SETUP: 23,
  SECURITY_SETUP: 64,
  DISCONNECT_CONTROL: 70,
  LIMITER: 71,
} as const);
export type CosemClass = (typeof CosemClass)[keyof typeof CosemClass];

const NAMES: Readonly<Record<number, string>> = Object.freeze(Object.fromEntries(Object.entries(CosemClass).map(([name, id]) => [id, name.toLowerCase().replace(/_/g, '-')])));

export function cosemClassName(classId: number): string {
  return NAMES[classId] ?? `class-${classId}`;
}

/** Methods of the Association LN class used by the association procedure. */
export const AssociationLnMethod = Object.freeze({ REPLY_TO_HLS_AUTHENTICATION: 1, CHANGE_HLS_SECRET: 2 } as const);
/** Attributes of the Association LN class. */
export const AssociationLnAttribute = Object.freeze({ LOGICAL_NAME: 1, OBJECT_LIST: 2, ASSOCIATED_PARTNERS: 3, APPLICATION_CONTEXT_NAME: 4, XDLMS_CONTEXT_INFO: 5, AUTHENTICATION_MECHANISM_NAME: 6, SECRET: 7, ASSOCIATION_STATUS: 8 } as const);
/** Attributes of the Profile generic class. */
export const ProfileGenericAttribute = Object.freeze({ LOGICAL_NAME: 1, BUFFER: 2, CAPTURE_OBJECTS: 3, CAPTURE_PERIOD: 4, SORT_METHOD: 5, SORT_OBJECT: 6, ENTRIES_IN_USE: 7, PROFILE_ENTRIES: 8 } as const);
