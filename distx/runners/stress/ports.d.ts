/** Tries before giving up on finding the ports (each try binds one random candidate). */
export declare const PORT_PICK_ATTEMPTS_MAX = 2000;
/** Lowest port drawn (above the registered well-known services most hosts run). */
export declare const PORT_RANGE_LOW = 20000;
/** The first port of the kernel's ephemeral range (Linux), or 32768. */
export declare function ephemeralPortLow(): number;
/** `count` distinct ports free on `host` right now, from [PORT_RANGE_LOW, ephemeral low). */
export declare function pickFreePorts(count: number, random: () => number, host?: string): Promise<number[]>;
