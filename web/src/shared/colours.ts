/**
 * The two colours of a contribution, a colour-blind-safe pair (blue / orange); the page and the
 * widget also say the sign in words, so colour is never the only cue.
 */
export const RAISES = "#1f6fb4";
export const LOWERS = "#c2410c";
