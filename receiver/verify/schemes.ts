import { jwtScheme } from './jwt';
import type { SignatureScheme } from './scheme';
import { v1Scheme } from './v1';
import { v1aScheme } from './v1a';

/** Every signing scheme the receiver knows, cheapest first: the first whose entry verifies decides. */
export const signatureSchemes: readonly SignatureScheme[] = [v1Scheme, v1aScheme, jwtScheme];
