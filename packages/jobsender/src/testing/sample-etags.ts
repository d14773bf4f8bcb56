/** Two MD5 ETags (single-part objects); `${MD5_A}-2` and the like are multipart ones. */
export const MD5_A = "9b2cf535f27731c974343645a3985328";
export const MD5_B = "d41d8cd98f00b204e9800998ecf8427e";
