"""Named hour-of-day load profiles: factors on the base incident rate, by clock hour 0..23.

Each named profile averages about 1 over a normal day so ``base_rate_per_hour`` keeps its
meaning as the day's mean rate. Sources and reasoning: docs/assumptions.md.
"""

PROFILES: dict[str, tuple[float, ...]] = {
    # fire incidents by hour on a working day: quiet night, peak late afternoon
    "weekday": (0.55, 0.45, 0.40, 0.35, 0.35, 0.40, 0.60, 0.85, 1.00, 1.10, 1.15, 1.20,
                1.25, 1.30, 1.35, 1.40, 1.45, 1.45, 1.40, 1.30, 1.15, 1.00, 0.85, 0.70),
    # weekend: busier evenings and nights (outdoor fires, nightlife)
    "weekend": (0.90, 0.85, 0.75, 0.60, 0.50, 0.45, 0.50, 0.60, 0.80, 0.95, 1.05, 1.15,
                1.20, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.25, 1.20, 1.15, 1.10, 1.00),
    # 31 Dec / 1 Jan by clock hour (domain.md §5b): ~10-15/h at 20-23h, 60-90/h at 00-02h
    # with a base of 4.6/h, decaying to ~10/h by 06h
    "new_years_eve": (18.5, 14.0, 7.5, 4.8, 3.2, 2.4, 2.0, 1.7, 1.2, 1.2, 1.2, 1.3,
                      1.3, 1.4, 1.4, 1.5, 1.6, 1.7, 1.8, 2.0, 2.4, 2.8, 3.2, 6.0),
}
