/// Header values and XML texts are compared without the spaces and tabs around them.
/// (Its own file so the response decoders build without the curl transport, as the fuzz target does.)
extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
