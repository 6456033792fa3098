/**
 * The time in the name of a file or folder kept aside (`cache.db.replaced-<stamp>`,
 * `central.before-restore-<stamp>`): ISO 8601 in UTC with `:` and `.` made `-`, valid on every file
 * system and sorting in time order.
 */
export const fileStamp = (at: Date = new Date()): string => at.toISOString().replace(/[:.]/g, '-');
