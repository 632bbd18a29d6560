/* Native binding (Moddable xsc syntax): fills an ArrayBuffer from the ESP32 hardware RNG. */
export default function fill(buffer) @ "xs_hw_random_fill";
