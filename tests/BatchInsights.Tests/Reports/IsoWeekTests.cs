using BatchInsights.Core.Reports;

namespace BatchInsights.Tests.Reports;

public sealed class IsoWeekTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Theory]
    [InlineData("2026-W47", 2026, 47)]
    [InlineData("2026-w05", 2026, 5)]
    [InlineData(" 2020-W53 ", 2020, 53)]
    public void TryParse_IsoWeek_ReadsYearAndWeek(string text, int year, int week)
    {
        Assert.True(IsoWeek.TryParse(text, out var parsed));

        Assert.Equal(new IsoWeek(year, week), parsed);
    }

    [Theory]
    [InlineData("2025-W53")] // 2025 has 52 ISO weeks
    [InlineData("2026-W00")]
    [InlineData("2026-47")]
    [InlineData("W47-2026")]
    [InlineData("")]
    public void TryParse_NotAnIsoWeek_False(string text)
    {
        Assert.False(IsoWeek.TryParse(text, out _));
        Assert.Contains("YYYY-Www", Assert.Throws<FormatException>(() => IsoWeek.Parse(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_PadsWeek()
    {
        Assert.Equal("2026-W05", new IsoWeek(2026, 5).ToString());
    }

    [Fact]
    public void Monday_YearWith53Weeks_LastWeekThenWeekOneOfNextYear()
    {
        // 2026 starts on a Thursday: it has 53 ISO weeks, the last one ending on Sunday 3 January 2027.
        var last = IsoWeek.Parse("2026-W53");

        Assert.Equal(new DateOnly(2026, 12, 28), last.Monday);
        Assert.Equal(new IsoWeek(2027, 1), last.Next());
        Assert.Equal(last, new IsoWeek(2027, 1).Previous());
        Assert.Equal(last, IsoWeek.Containing(new DateOnly(2027, 1, 3)));
        Assert.Equal(new IsoWeek(2026, 1), IsoWeek.Containing(new DateOnly(2025, 12, 29))); // the Monday of 2026-W01 is in 2025
    }

    [Fact]
    public void UtcRangeMs_Utc_MondayToMonday()
    {
        var (start, end) = IsoWeek.Parse("2026-W47").UtcRangeMs(TimeZoneInfo.Utc);

        Assert.Equal(new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), start);
        Assert.Equal(7 * 86_400_000L, end - start);
    }

    [Fact]
    public void UtcRangeMs_BerlinWeekWithDstStart_167HoursFromLocalMidnight()
    {
        // Summer time starts Sunday 29 March 2026 in Berlin: that week is an hour short, starting at 23:00 UTC on Sunday.
        var (start, end) = IsoWeek.Parse("2026-W13").UtcRangeMs(Berlin);

        Assert.Equal(new DateTimeOffset(2026, 3, 22, 23, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), start);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), end);
        Assert.Equal(167 * 3_600_000L, end - start);
    }

    [Fact]
    public void PreviousFull_MondayMorningInBerlin_IsLastWeekThere()
    {
        // 23:30 UTC on Sunday is already Monday 00:30 in Berlin: the full week before is the one that just ended.
        var now = new DateTimeOffset(2026, 11, 22, 23, 30, 0, TimeSpan.Zero);

        Assert.Equal(IsoWeek.Parse("2026-W47"), IsoWeek.PreviousFull(now, Berlin));
        Assert.Equal(IsoWeek.Parse("2026-W46"), IsoWeek.PreviousFull(now, TimeZoneInfo.Utc));
    }
}
