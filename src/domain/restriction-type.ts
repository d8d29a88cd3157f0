/**
 * The contract's `RestrictionType` enum: anny's five context dimensions, kept in the API beside the catalog's free
 * `dimension` names. Each value names the dimension spelled in lower case (`RESOURCE_GROUP` → `resource_group`).
 */

export const RESTRICTION_TYPES = Object.freeze(['RESOURCE', 'RESOURCE_GROUP', 'RESOURCE_CATEGORY', 'SERVICE', 'SERVICE_GROUP'] as const);

export type RestrictionType = (typeof RESTRICTION_TYPES)[number];

/** `RESOURCE_GROUP` → `resource_group`. */
export function dimensionOfRestrictionType(type: RestrictionType): string {
  return type.toLowerCase();
}

/** `resource_group` → `RESOURCE_GROUP`; null for a dimension beyond anny's five (`property`). */
export function restrictionTypeOfDimension(dimension: string): RestrictionType | null {
  return RESTRICTION_TYPES.find((type) => type.toLowerCase() === dimension) ?? null;
}
