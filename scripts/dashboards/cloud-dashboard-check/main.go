// Command cloud-dashboard-check parses a Cloud Monitoring dashboard JSON file with the
// Dashboard message of the Cloud Monitoring API's own Go package, strictly: an unknown field or
// enum value is an error, as the API would refuse it. The deploy checks run it on
// helm/lead-scoring/dashboards/cloud-monitoring.json.
package main

import (
	"fmt"
	"os"

	"cloud.google.com/go/monitoring/dashboard/apiv1/dashboardpb"
	"google.golang.org/protobuf/encoding/protojson"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cloud-dashboard-check DASHBOARD.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var dashboard dashboardpb.Dashboard
	if err := (protojson.UnmarshalOptions{}).Unmarshal(data, &dashboard); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Printf("%s: a valid Dashboard, %d tiles\n", os.Args[1], len(dashboard.GetMosaicLayout().GetTiles()))
}
