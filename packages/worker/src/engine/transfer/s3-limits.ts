/** S3's multipart limits. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
export const MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE;
