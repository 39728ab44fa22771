using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddSpotPriceChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "spot_price_changes",
                columns: table => new
                {
                    Account = table.Column<string>(type: "TEXT", nullable: false),
                    Region = table.Column<string>(type: "TEXT", nullable: false),
                    AvailabilityZone = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    InstanceType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ProductDescription = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TimestampMs = table.Column<long>(type: "INTEGER", nullable: false),
                    PriceMicroUsd = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_spot_price_changes", x => new { x.Account, x.Region, x.AvailabilityZone, x.InstanceType, x.ProductDescription, x.TimestampMs });
                });

            migrationBuilder.CreateIndex(
                name: "IX_spot_price_changes_Account_Region_InstanceType_TimestampMs",
                table: "spot_price_changes",
                columns: new[] { "Account", "Region", "InstanceType", "TimestampMs" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "spot_price_changes");
        }
    }
}
