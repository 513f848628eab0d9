/* Build-time options (override with -DNAME=value). */
#ifndef TETHYS_CONFIG_H
#define TETHYS_CONFIG_H

/* No valid command frame for this long while armed: every thruster to neutral, disarm. */
#ifndef WATCHDOG_MS
#define WATCHDOG_MS 500
#endif
/* Telemetry period. */
#ifndef TELEMETRY_MS
#define TELEMETRY_MS 100
#endif
/* Serial baud rate. */
#ifndef BAUD
#define BAUD 115200UL
#endif
/* ADC reference in mV (AVcc) and scaling of the analog inputs. */
#ifndef ADC_REF_MV
#define ADC_REF_MV 5000UL
#endif
/* Supply voltage divider ratio (Vsupply = Vadc * ratio). */
#ifndef SUPPLY_DIVIDER
#define SUPPLY_DIVIDER 11UL
#endif
/* Current sensor: output mV at 0 A and mV per ampere. */
#ifndef CURRENT_OFFSET_MV
#define CURRENT_OFFSET_MV 500L
#endif
#ifndef CURRENT_MV_PER_A
#define CURRENT_MV_PER_A 40L
#endif
/* Temperature sensor (TMP36-style): 500 mV at 0 degC, 10 mV per degC. */
#ifndef TEMP_OFFSET_MV
#define TEMP_OFFSET_MV 500L
#endif

#endif
