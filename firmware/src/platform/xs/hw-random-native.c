/* ESP32 hardware RNG for the meter's key generation (ESP-IDF esp_fill_random). */
#include "xsmc.h"
#include "esp_random.h"

void xs_hw_random_fill(xsMachine *the)
{
	void *data;
	xsUnsignedValue length;
	xsmcGetBufferWritable(xsArg(0), &data, &length);
	esp_fill_random(data, length);
}
