package dev.llmmesh.core.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningRateScheduleTest {
    private final LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 1e-4, 10, 110);

    @Test
    void warmsUpLinearlyFromZero() {
        assertEquals(0, schedule.at(0));
        assertEquals(1e-4, schedule.at(1), 1e-15);
        assertEquals(5e-4, schedule.at(5), 1e-15);
        assertEquals(1e-3, schedule.at(10), 1e-15);
    }

    @Test
    void decaysByCosineToTheFloorAndStaysThere() {
        assertEquals(0.5 * (1e-3 + 1e-4), schedule.at(60), 1e-15); // halfway: cos = 0
        assertEquals(1e-4 + 0.5 * (1 + Math.cos(Math.PI / 4)) * 9e-4, schedule.at(35), 1e-15);
        assertEquals(1e-4, schedule.at(110), 1e-15);
        assertEquals(1e-4, schedule.at(1000), 1e-15);
        for (int s = 10; s < 110; s++) {
            assertTrue(schedule.at(s + 1) <= schedule.at(s), "not decreasing at " + s);
        }
    }

    @Test
    void noWarmupStartsAtThePeak() {
        var flat = new LearningRateSchedule(1e-3, 1e-3, 0, 5);
        assertEquals(1e-3, flat.at(1), 1e-15);
        assertEquals(1e-3, flat.at(9), 1e-15);
    }
}
