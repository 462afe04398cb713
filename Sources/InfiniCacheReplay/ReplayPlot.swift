import Foundation

/// An SVG picture of a replay: the cumulative cost of each system over the hours (log
/// scale), and the hit ratio of each cache per hour.
public enum ReplayPlot {
    private struct Series {
        var name: String
        var color: String
        var values: [Double?]
    }

    private static let width = 900.0
    private static let panelHeight = 300.0
    private static let margin = (left: 70.0, right: 230.0, top: 40.0, bottom: 40.0)

    /// The SVG document for `report`.
    public static func svg(_ report: ReplayReport) -> String {
        let colors = ["#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#e377c2"]
        let hours = report.hours
        var costs = [
            Series(name: "ElastiCache r5.24xlarge", color: "#d62728", values: (1...hours).map { Double($0) * report.alwaysOnCost / Double(hours) }),
            Series(name: "ElastiCache Serverless", color: "#ff7f0e", values: report.serverlessCumulativeCost),
        ]
        var ratios = [Series(name: "LRU, same memory", color: "#d62728", values: report.lru.hours.map(\.hitRatio))]
        for (index, run) in report.runs.enumerated() {
            let color = colors[index % colors.count]
            costs.append(Series(name: "InfiniCache \(run.variant)", color: color, values: run.statistics.hours.map(\.cumulativeCost)))
            if run.billingGranularity == report.runs.first?.billingGranularity {
                ratios.append(Series(name: "InfiniCache \(run.backup ? "backup" : "no backup")", color: color, values: run.statistics.hours.map(\.hitRatio)))
            }
        }
        let height = 2 * (self.panelHeight + self.margin.top + self.margin.bottom)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(self.width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        svg += self.panel(title: "Cumulative cost (USD, log scale) over \(hours) hours", series: costs, top: 0, logarithmic: true)
        svg += self.panel(title: "Hit ratio per hour", series: ratios, top: self.panelHeight + self.margin.top + self.margin.bottom, logarithmic: false)
        return svg + "</svg>\n"
    }

    private static func panel(title: String, series: [Series], top: Double, logarithmic: Bool) -> String {
        let left = self.margin.left
        let plotTop = top + self.margin.top
        let plotWidth = self.width - self.margin.left - self.margin.right
        let count = max(series.map(\.values.count).max() ?? 1, 2)
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter { !logarithmic || $0 > 0 }
        var (low, high) = logarithmic ? (values.min() ?? 0.01, values.max() ?? 1) : (0.0, 1.0)
        if logarithmic {
            low = pow(10.0, floor(log10(max(low, 1e-6))))
            high = pow(10.0, ceil(log10(max(high, low * 10))))
        }
        func y(_ value: Double) -> Double {
            let fraction = logarithmic ? (log10(max(value, low)) - log10(low)) / (log10(high) - log10(low)) : (value - low) / (high - low)
            return plotTop + self.panelHeight * (1 - fraction)
        }
        func x(_ index: Int) -> Double { left + plotWidth * Double(index + 1) / Double(count) }
        var out = "<text x=\"\(left)\" y=\"\(plotTop - 12)\" font-size=\"14\">\(escaped(title))</text>\n"
        out += "<rect x=\"\(left)\" y=\"\(plotTop)\" width=\"\(plotWidth)\" height=\"\(self.panelHeight)\" fill=\"none\" stroke=\"#888\"/>\n"
        let ticks = logarithmic ? stride(from: log10(low), through: log10(high), by: 1).map { pow(10.0, $0) } : [0, 0.25, 0.5, 0.75, 1]
        for tick in ticks {
            out += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(label(tick))</text>\n"
        }
        for hour in stride(from: 0, through: count, by: max(1, count / 10)) {
            out += "<text x=\"\(left + plotWidth * Double(hour) / Double(count))\" y=\"\(plotTop + self.panelHeight + 16)\" text-anchor=\"middle\">\(hour) h</text>\n"
        }
        for (index, line) in series.enumerated() {
            let points = line.values.enumerated().compactMap { hour, value in value.map { "\(x(hour)),\(y($0))" } }
            out += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let legendY = plotTop + 16 * Double(index) + 8
            out += "<line x1=\"\(left + plotWidth + 12)\" x2=\"\(left + plotWidth + 32)\" y1=\"\(legendY)\" y2=\"\(legendY)\" stroke=\"\(line.color)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(left + plotWidth + 38)\" y=\"\(legendY + 4)\">\(escaped(line.name))</text>\n"
        }
        return out
    }

    private static func label(_ value: Double) -> String {
        value >= 1 ? String(Int(value)) : String(value)
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
