/**
 * Paths into an event's `data`, as a catalog names them: `resource.id`, `propertyId`, `rooms.0.RoomId` (a dimension's
 * default place, a type's ordering key). A path is a dot-separated list of keys; a key of digits also indexes an array.
 */

/** A path as written in a catalog: keys of letters, digits, `_`, `-` and `$`, joined by dots. */
export const DATA_PATH_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** The keys of a path (`resource.id` → `['resource', 'id']`); throws on a path that does not fit DATA_PATH_PATTERN. */
export function parseDataPath(path: string): readonly string[] {
  if (!DATA_PATH_PATTERN.test(path)) throw new Error(`"${path}" is not a path such as "resource.id"`);
  return Object.freeze(path.split('.'));
}

/** The value at `keys` inside `data`, or undefined where the path leads nowhere (data is arbitrary JSON). */
export function readDataPath(data: unknown, keys: readonly string[]): unknown {
  let value = data;
  for (const key of keys) {
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(key)) return undefined;
      value = value[Number(key)];
    } else if (typeof value === 'object' && value !== null && Object.hasOwn(value, key)) {
      value = (value as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return value;
}

/**
 * An id as a string, or null when the JSON value cannot be an id (object, boolean, NaN, ''). Publishers send numeric
 * and string ids alike (Sirvoy's `propertyId: 1`, anny's `"id": "18"`), so ids are compared as strings.
 */
export function idToString(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
