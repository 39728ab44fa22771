using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SpotPriceTypeIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_spot_price_changes_Type_Product_Time",
                table: "spot_price_changes",
                columns: new[] { "InstanceType", "ProductDescription", "TimestampMs" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_spot_price_changes_Type_Product_Time",
                table: "spot_price_changes");
        }
    }
}
