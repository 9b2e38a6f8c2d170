declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
