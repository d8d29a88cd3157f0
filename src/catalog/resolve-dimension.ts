// Which of the catalog's context dimensions a restriction or context ref names: `dimension`, or for anny's five the
// old `type` (RESOURCE → resource…); exactly one of them. A dimension the catalog lacks is the caller's mistake.
import { dimensionOfRestrictionType, type RestrictionType } from '../domain/restriction-type.js';
import { badInput } from '../errors.js';
import type { Catalog } from './catalog.js';

export type DimensionChoice = { type?: RestrictionType | null; dimension?: string | null };

/**
 * The dimension a restriction or context ref names: `dimension`, or anny's `type` in lower case (RESOURCE_GROUP →
 * resource_group). Exactly one of them; the catalog must have the dimension.
 */
export function resolveDimension(catalog: Catalog, choice: DimensionChoice, field: string): string {
  const hasType = choice.type != null;
  const hasDimension = choice.dimension != null;
  if (hasType === hasDimension) {
    throw badInput(field, hasType ? 'Give either "type" or "dimension", not both.' : 'Give the dimension a restriction or context ref is about: "dimension" (or, for anny\'s five, "type").');
  }
  const dimension = hasType ? dimensionOfRestrictionType(choice.type!) : choice.dimension!.trim();
  if (!catalog.dimension(dimension)) {
    const known = catalog.dimensions.map((entry) => `"${entry.name}"`).join(', ');
    throw badInput(field, `"${dimension}" is not a context dimension of this platform's catalog (${known ? `it has ${known}` : 'it has none'}).`);
  }
  return dimension;
}
